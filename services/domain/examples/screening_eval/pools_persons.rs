//! Person name pools, part one: Arabic, Russian/Ukrainian, Chinese, Hispanic. Written for this
//! harness; every pool is split by index parity between the two splits (see `names::Pools`).

// ---------- Arabic ----------

pub const AR_GIVEN_M: &[&str] = &[
    "Ahmad", "Mohammed", "Mahmoud", "Mustafa", "Ali", "Hassan", "Hussein", "Omar", "Othman", "Khalid", "Khalil", "Ibrahim",
    "Ismail", "Yusuf", "Yunus", "Musa", "Issa", "Yahya", "Zakariya", "Sulayman", "Dawud", "Idris", "Harun", "Hamza",
    "Hamid", "Hamad", "Hamdan", "Rashid", "Saeed", "Salim", "Salman", "Sami", "Samir", "Tariq", "Walid", "Nasser",
    "Mansour", "Majid", "Marwan", "Mazen", "Munir", "Nabil", "Nadir", "Nizar", "Qasim", "Ramadan", "Ridwan", "Riyad",
    "Sabri", "Sadiq", "Saif", "Sharif", "Shukri", "Talal", "Tamer", "Wael", "Wasim", "Yasser", "Yazid", "Zaid", "Ziyad",
    "Adel", "Adnan", "Amer", "Amin", "Anwar", "Ayman", "Aziz", "Badr", "Bakr", "Bashir", "Bassam", "Faisal", "Fadi", "Fahd",
    "Farouk", "Fawzi", "Fuad", "Ghassan", "Habib", "Hadi", "Haitham", "Hakim", "Hani", "Hisham", "Imad", "Iyad", "Jabir",
    "Jamal", "Jamil", "Kamal", "Karim", "Luay", "Maher", "Mahdi", "Mohsen", "Muhannad", "Murad", "Abdullah", "Abdulrahman",
    "Abdulaziz", "Abdelkader", "Abdulkarim", "Abdulhamid", "Abdulmalik", "Abdulsalam", "Abdulwahab", "Abdulqadir", "Ammar",
    "Asim", "Bilal", "Diyab", "Fares", "Ghazi", "Hatim", "Jawad", "Kadhim", "Lutfi", "Mundhir", "Nawaf", "Obaid", "Raed",
    "Sultan", "Thamer", "Usama",
];

pub const AR_GIVEN_F: &[&str] = &[

    "Fatima", "Aisha", "Maryam", "Khadija", "Zainab", "Amina", "Layla", "Huda", "Samira", "Nour", "Rania", "Salma", "Hanan", "Iman",
    "Lubna", "Mona", "Nadia", "Rasha", "Sawsan", "Widad", "Yasmin", "Zahra", "Asma", "Ghada", "Hind", "Jamila", "Lina", "Majida", "Nawal",
    "Rim", "Suad", "Wafa",
];

pub const AR_FAMILY: &[&str] = &[
    "Tikriti", "Masri", "Baghdadi", "Husseini", "Hashimi", "Qurashi", "Shami", "Halabi", "Dimashqi", "Ansari", "Tamimi",
    "Otaibi", "Qahtani", "Ghamdi", "Zahrani", "Shehri", "Harbi", "Mutairi", "Dosari", "Shammari", "Anazi", "Rashidi",
    "Juburi", "Dulaimi", "Obaidi", "Kubaisi", "Samarrai", "Mosuli", "Basri", "Najafi", "Karbalai", "Hilli", "Amiri",
    "Saadi", "Khatib", "Haddad", "Najjar", "Sabbagh", "Khoury", "Mansouri", "Nasri", "Saleh", "Sayegh", "Farhat", "Hamdani",
    "Yemeni", "Hadrami", "Zubaidi", "Shaibani", "Tayeb", "Bakri", "Omari", "Alawi", "Jaziri", "Tunisi", "Libi", "Maghribi",
    "Suri", "Urduni", "Kuwaiti", "Sudani", "Jazairi", "Filastini", "Falahi", "Qadi", "Maliki", "Zayani", "Marzouqi",
    "Nuaimi", "Kaabi", "Mazrouei", "Suwaidi", "Hammadi", "Kindi", "Busaidi", "Hinai", "Balushi", "Rawahi", "Habsi",
    "Jassim", "Darwish", "Barakat", "Hijazi", "Nabulsi", "Qudsi", "Khalifa", "Zein", "Fakhoury", "Haidar", "Moussawi",
    "Daher", "Salameh", "Assaf", "Bitar", "Akkad", "Attar", "Rifai", "Sukkari", "Tahhan", "Homsi", "Idlibi", "Raqqawi",
    "Deiri", "Hasakawi", "Jubouri", "Karkhi", "Anbari", "Fallujawi", "Ramadi", "Diyali", "Kurdi", "Sharqawi", "Gharbawi",
    "Asiri", "Jizani", "Harithi", "Yafei", "Awlaki", "Madhhaji", "Sanaani", "Adeni", "Taizi", "Ibbi", "Marri", "Sulaiti",
    "Kuwari", "Thani", "Bannai",
];

// ---------- Russian and Ukrainian: (given, patronymic male, patronymic female) ----------

pub const RU_GIVEN_M: &[(&str, &str, &str)] = &[
    ("Aleksandr", "Aleksandrovich", "Aleksandrovna"),
    ("Aleksey", "Alekseyevich", "Alekseyevna"),
    ("Anatoliy", "Anatolyevich", "Anatolyevna"),
    ("Andrey", "Andreyevich", "Andreyevna"),
    ("Anton", "Antonovich", "Antonovna"),
    ("Arkadiy", "Arkadyevich", "Arkadyevna"),
    ("Artem", "Artemovich", "Artemovna"),
    ("Boris", "Borisovich", "Borisovna"),
    ("Vadim", "Vadimovich", "Vadimovna"),
    ("Valentin", "Valentinovich", "Valentinovna"),
    ("Valeriy", "Valeryevich", "Valeryevna"),
    ("Vasiliy", "Vasilyevich", "Vasilyevna"),
    ("Viktor", "Viktorovich", "Viktorovna"),
    ("Vitaliy", "Vitalyevich", "Vitalyevna"),
    ("Vladimir", "Vladimirovich", "Vladimirovna"),
    ("Vladislav", "Vladislavovich", "Vladislavovna"),
    ("Vyacheslav", "Vyacheslavovich", "Vyacheslavovna"),
    ("Gennadiy", "Gennadyevich", "Gennadyevna"),
    ("Georgiy", "Georgiyevich", "Georgiyevna"),
    ("Gleb", "Glebovich", "Glebovna"),
    ("Grigoriy", "Grigoryevich", "Grigoryevna"),
    ("Denis", "Denisovich", "Denisovna"),
    ("Dmitriy", "Dmitriyevich", "Dmitriyevna"),
    ("Yevgeniy", "Yevgenyevich", "Yevgenyevna"),
    ("Yegor", "Yegorovich", "Yegorovna"),
    ("Ivan", "Ivanovich", "Ivanovna"),
    ("Igor", "Igorevich", "Igorevna"),
    ("Kirill", "Kirillovich", "Kirillovna"),
    ("Konstantin", "Konstantinovich", "Konstantinovna"),
    ("Leonid", "Leonidovich", "Leonidovna"),
    ("Maksim", "Maksimovich", "Maksimovna"),
    ("Mikhail", "Mikhaylovich", "Mikhaylovna"),
    ("Nikolay", "Nikolayevich", "Nikolayevna"),
    ("Oleg", "Olegovich", "Olegovna"),
    ("Pavel", "Pavlovich", "Pavlovna"),
    ("Petr", "Petrovich", "Petrovna"),
    ("Roman", "Romanovich", "Romanovna"),
    ("Ruslan", "Ruslanovich", "Ruslanovna"),
    ("Sergey", "Sergeyevich", "Sergeyevna"),
    ("Stanislav", "Stanislavovich", "Stanislavovna"),
    ("Stepan", "Stepanovich", "Stepanovna"),
    ("Timur", "Timurovich", "Timurovna"),
    ("Fedor", "Fedorovich", "Fedorovna"),
    ("Filipp", "Filippovich", "Filippovna"),
    ("Yuriy", "Yuryevich", "Yuryevna"),
    ("Yakov", "Yakovlevich", "Yakovlevna"),
    ("Arseniy", "Arsenyevich", "Arsenyevna"),
    ("Eduard", "Eduardovich", "Eduardovna"),
    ("Matvey", "Matveyevich", "Matveyevna"),
    ("Rostislav", "Rostislavovich", "Rostislavovna"),
    ("Semen", "Semenovich", "Semenovna"),
    ("Tikhon", "Tikhonovich", "Tikhonovna"),
    ("Yaroslav", "Yaroslavovich", "Yaroslavovna"),
    ("German", "Germanovich", "Germanovna"),
    ("Mark", "Markovich", "Markovna"),
    ("Daniil", "Daniilovich", "Daniilovna"),
    ("Ilya", "Ilyich", "Ilyinichna"),
    ("Nikita", "Nikitich", "Nikitichna"),
];

pub const RU_GIVEN_F: &[&str] = &[
    "Anna", "Alla", "Alina", "Anastasiya", "Valentina", "Valeriya", "Vera", "Viktoriya", "Galina", "Darya", "Yekaterina",
    "Yelena", "Yevgeniya", "Zhanna", "Zoya", "Irina", "Inna", "Kristina", "Kseniya", "Larisa", "Lidiya", "Lyudmila",
    "Margarita", "Marina", "Mariya", "Nadezhda", "Natalya", "Nina", "Olga", "Polina", "Svetlana", "Sofiya", "Tamara",
    "Tatyana", "Ulyana", "Yuliya", "Lyubov", "Raisa", "Veronika", "Elvira",
];

/// Male forms; `names::female_surname` derives the female form.
pub const RU_SURNAME: &[&str] = &[
    "Smirnov", "Kuznetsov", "Popov", "Vasilyev", "Sokolov", "Mikhaylov", "Novikov", "Fedorov", "Morozov", "Volkov",
    "Alekseyev", "Lebedev", "Semenov", "Yegorov", "Pavlov", "Kozlov", "Stepanov", "Nikolayev", "Orlov", "Andreyev",
    "Makarov", "Nikitin", "Zakharov", "Zaytsev", "Solovyev", "Borisov", "Yakovlev", "Grigoryev", "Romanov", "Vorobyev",
    "Sergeyev", "Kuzmin", "Frolov", "Aleksandrov", "Dmitriyev", "Korolev", "Gusev", "Kiselev", "Ilyin", "Maksimov",
    "Polyakov", "Sorokin", "Vinogradov", "Kovalev", "Belov", "Medvedev", "Antonov", "Tarasov", "Zhukov", "Baranov",
    "Filippov", "Komarov", "Davydov", "Belyayev", "Gerasimov", "Bogdanov", "Osipov", "Sidorov", "Matveyev", "Titov",
    "Markov", "Mironov", "Krylov", "Kulikov", "Karpov", "Vlasov", "Melnikov", "Denisov", "Gavrilov", "Tikhonov", "Kazakov",
    "Afanasyev", "Danilov", "Savelyev", "Timofeyev", "Fomin", "Chernov", "Abramov", "Martynov", "Yefimov", "Fedotov",
    "Shcherbakov", "Nazarov", "Kalinin", "Isayev", "Chernyshev", "Bykov", "Maslov", "Rodionov", "Konovalov", "Lazarev",
    "Voronin", "Klimov", "Filatov", "Ponomarev", "Golubev", "Kudryavtsev", "Prokhorov", "Naumov", "Potapov", "Zhuravlev",
    "Ovchinnikov", "Trofimov", "Leonov", "Sobolev", "Yermakov", "Kolesnikov", "Goncharov", "Yemelyanov", "Nikiforov",
    "Grachev", "Kotov", "Grishin", "Yefremov", "Arkhipov", "Gromov", "Kirillov", "Malyshev", "Panov", "Moiseyev",
    "Rumyantsev", "Akimov", "Kondratyev", "Biryukov", "Gorbunov", "Anisimov", "Yeremin", "Tikhomirov", "Galkin", "Lukyanov",
    "Mikheyev", "Skvortsov", "Yudin", "Belousov", "Nesterov", "Simonov", "Prokofyev", "Kharitonov", "Knyazev", "Tsvetkov",
    "Mitrofanov", "Voronov", "Aksenov", "Maltsev", "Loginov", "Gorshkov", "Savin", "Krasnov", "Mayorov", "Demidov",
    "Yeliseyev", "Rybakov", "Safonov", "Plotnikov", "Khokhlov", "Zhdanov", "Rusakov", "Kovalevskiy", "Zagorskiy",
    "Voznesenskiy", "Ostrovskiy", "Pokrovskiy", "Dubrovskiy", "Vysotskiy", "Uspenskiy", "Belinskiy", "Rozhdestvenskiy",
];

pub const UA_GIVEN_M: &[(&str, &str, &str)] = &[
    ("Oleksandr", "Oleksandrovych", "Oleksandrivna"),
    ("Oleksiy", "Oleksiyovych", "Oleksiyivna"),
    ("Andriy", "Andriyovych", "Andriyivna"),
    ("Bohdan", "Bohdanovych", "Bohdanivna"),
    ("Vasyl", "Vasylyovych", "Vasylivna"),
    ("Volodymyr", "Volodymyrovych", "Volodymyrivna"),
    ("Dmytro", "Dmytrovych", "Dmytrivna"),
    ("Ihor", "Ihorovych", "Ihorivna"),
    ("Mykola", "Mykolayovych", "Mykolayivna"),
    ("Mykhailo", "Mykhailovych", "Mykhailivna"),
    ("Petro", "Petrovych", "Petrivna"),
    ("Pavlo", "Pavlovych", "Pavlivna"),
    ("Serhiy", "Serhiyovych", "Serhiyivna"),
    ("Taras", "Tarasovych", "Tarasivna"),
    ("Yuriy", "Yuriyovych", "Yuriyivna"),
    ("Ostap", "Ostapovych", "Ostapivna"),
    ("Stepan", "Stepanovych", "Stepanivna"),
    ("Vitaliy", "Vitaliyovych", "Vitaliyivna"),
    ("Maksym", "Maksymovych", "Maksymivna"),
    ("Oleh", "Olehovych", "Olehivna"),
    ("Hennadiy", "Hennadiyovych", "Hennadiyivna"),
    ("Vadym", "Vadymovych", "Vadymivna"),
    ("Kostiantyn", "Kostiantynovych", "Kostiantynivna"),
    ("Ivan", "Ivanovych", "Ivanivna"),
    ("Roman", "Romanovych", "Romanivna"),
    ("Yaroslav", "Yaroslavovych", "Yaroslavivna"),
];

pub const UA_GIVEN_F: &[&str] = &[
    "Olena", "Oksana", "Nataliya", "Tetiana", "Iryna", "Halyna", "Liudmyla", "Mariia", "Yuliia", "Khrystyna", "Solomiia",
    "Nadiia", "Larysa", "Viktoriia", "Svitlana", "Hanna",
];

pub const UA_SURNAME: &[&str] = &[
    "Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Oliynyk", "Shevchuk", "Polishchuk", "Bondar",
    "Tkachuk", "Marchenko", "Lysenko", "Rudenko", "Savchenko", "Petrenko", "Klymenko", "Pavlenko", "Kushnir", "Moroz",
    "Melnyk", "Kravchuk", "Boyko", "Koval", "Honcharenko", "Vasylenko", "Levchenko", "Karpenko", "Yurchenko", "Hnatyuk",
    "Ponomarenko", "Kozak", "Sydorenko", "Zinchenko", "Martynyuk", "Romanyuk", "Kovalchuk", "Savchuk", "Prykhodko",
    "Hrytsenko", "Tarasenko", "Dmytrenko", "Kostenko", "Yaremchuk", "Fedorenko", "Voloshyn", "Nazarenko", "Pshenychnyi",
    "Symonenko", "Kulyk", "Demchenko", "Ostapchuk", "Havrylyuk", "Mazur", "Panchenko", "Hordiyenko", "Bilyk",
];

// ---------- Chinese (pinyin) ----------

pub const ZH_SURNAME: &[&str] = &[
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo",
    "He", "Gao", "Lin", "Luo", "Zheng", "Liang", "Xie", "Song", "Tang", "Han", "Feng", "Deng", "Cao", "Peng", "Zeng",
    "Xiao", "Tian", "Dong", "Yuan", "Pan", "Yu", "Jiang", "Cai", "Jia", "Ding", "Wei", "Xue", "Ye", "Yan", "Lu", "Du",
    "Dai", "Xia", "Zhong", "Tan", "Fan", "Fang", "Shi", "Yao", "Tao", "Jin", "Qian", "Qiu", "Qin", "Hou", "Shao", "Meng",
    "Long", "Wan", "Duan", "Lei", "Kong", "Bai", "Kang", "Mao", "Hao", "Gu", "Gong", "Shen", "Mo", "Yin", "Lai", "Hong",
    "Wen", "Xiang", "Niu", "Zou", "Xiong", "Zhan", "Cui", "Ren", "Chu", "Fu", "Qi", "Ouyang", "Sima", "Zhuge", "Situ",
    "Shangguan", "Geng", "Ji", "Rao", "Lan", "Miao", "Nie", "Ruan",
];

pub const ZH_SYLLABLE: &[&str] = &[

    "wei", "ming", "hua", "jian", "jun", "yong", "li", "qiang", "lei", "tao", "jie", "bin", "hui", "hong", "ping", "gang", "hai", "xin",
    "yu", "fei", "feng", "long", "peng", "hao", "yang", "bo", "chao", "kai", "lin", "dong", "rong", "guang", "cheng", "zhi", "wen", "jing",
    "ying", "mei", "xiu", "lan", "fang", "na", "juan", "yan", "xia", "qing", "zhen", "yun", "shan", "chun", "xiao", "de", "an", "ning",
    "shu", "tian", "yi", "jia", "qi", "rui", "han", "xuan", "zi", "ze", "yue", "xue", "lu", "sen", "shuang", "dan", "min", "zhong", "guo",
    "bao", "quan", "wu", "sheng", "liang", "song", "bing", "kun", "xiang", "kang", "fu", "zhou", "jin", "lian", "heng", "yao", "tong",
    "hang", "cong", "di", "fan", "gui", "hu", "ji", "jiang", "kui", "le", "mao", "nan", "pei", "qiu", "ren", "shi", "tai", "wan", "xi",
    "xing", "yin", "zhan", "zhao", "zhu", "chang", "chen",
];

/// English given names used by Chinese listed persons as weak aliases ("Tony ZHANG").
pub const ZH_ENGLISH: &[&str] = &[

    "Tony", "David", "Kevin", "Jack", "Michael", "Eric", "Jason", "Vincent", "Peter", "Henry", "Frank", "Alan", "Raymond", "Steven",
    "Andy", "Simon", "Grace", "Helen", "Cindy", "Amy", "Linda", "Jenny", "Lily", "Sally",
];

// ---------- Hispanic (with their accents; a list may drop them) ----------

pub const ES_GIVEN_M: &[&str] = &[
    "José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Pedro", "Pablo", "Manuel", "Francisco", "Antonio", "Alejandro",
    "Andrés", "Ángel", "Rafael", "Ramón", "Raúl", "Ricardo", "Roberto", "Rodrigo", "Rubén", "Santiago", "Sergio", "Víctor",
    "Diego", "Eduardo", "Emilio", "Enrique", "Ernesto", "Esteban", "Fernando", "Gabriel", "Gerardo", "Guillermo", "Gustavo",
    "Héctor", "Hugo", "Ignacio", "Javier", "Jesús", "Joaquín", "Julio", "Lorenzo", "Marcos", "Mario", "Martín", "Mauricio",
    "Nicolás", "Óscar", "Octavio", "Orlando", "Rogelio", "Salvador", "Tomás", "Vicente", "Adrián", "Agustín", "Alfonso",
    "Álvaro", "Armando", "Arturo", "Benjamín", "César", "Cristóbal", "Daniel", "Darío", "Efraín", "Elías", "Fabián",
    "Félix", "Gonzalo", "Hernán", "Iván", "Jaime", "Jairo", "Leonel", "Marcelo", "Moisés", "Néstor", "Ramiro", "Reinaldo",
    "Saúl", "Simón", "Ulises", "Wilmer", "Edwin", "Fredy", "Germán", "Joel", "Teodoro",
];

pub const ES_GIVEN_F: &[&str] = &[
    "María", "Ana", "Carmen", "Rosa", "Luz", "Lucía", "Isabel", "Elena", "Teresa", "Patricia", "Marta", "Gloria", "Sandra",
    "Claudia", "Adriana", "Beatriz", "Alejandra", "Mónica", "Verónica", "Paola", "Yolanda", "Sofía", "Valentina", "Camila",
    "Daniela", "Inés", "Raquel", "Dolores", "Consuelo", "Esperanza", "Graciela", "Marisol", "Leticia", "Ximena",
];

pub const ES_SURNAME: &[&str] = &[
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez", "Torres", "Flores",
    "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Jiménez",
    "Mendoza", "Álvarez", "Castillo", "Moreno", "Romero", "Herrera", "Medina", "Aguilar", "Vargas", "Castro", "Guzmán",
    "Fernández", "Muñoz", "Salazar", "Rojas", "Ortega", "Delgado", "Contreras", "Sandoval", "Ríos", "Vásquez", "Domínguez",
    "Estrada", "Figueroa", "Cabrera", "Campos", "Vega", "Fuentes", "Carrillo", "Espinoza", "Navarro", "Acosta", "Cortés",
    "Núñez", "Ibarra", "Maldonado", "Valencia", "Pacheco", "Guerrero", "Lara", "Ayala", "Rosales", "Ochoa", "Osorio",
    "Cárdenas", "Quintero", "Zapata", "Benítez", "Peña", "Beltrán", "Cisneros", "Arellano", "Barrera", "Bermúdez",
    "Caballero", "Calderón", "Carmona", "Cervantes", "Duarte", "Escobar", "Galindo", "Gallardo", "Garza", "Godoy", "Henao",
    "Hidalgo", "Lozano", "Luna", "Macías", "Marín", "Mejía", "Miranda", "Montoya", "Olivares", "Orozco", "Palacios",
    "Paredes", "Ponce", "Quiroga", "Restrepo", "Robles", "Salinas", "Sepúlveda", "Serrano", "Solís", "Soto", "Suárez",
    "Tapia", "Toledo", "Trujillo", "Urrego", "Valdez", "Velásquez", "Villa", "Villarreal", "Zambrano", "Zúñiga", "Arango",
    "Betancourt", "Cano", "Echeverría", "Giraldo", "Londoño", "Ocampo", "Uribe", "Yepes", "de la Cruz", "del Valle",
    "de León", "de la Rosa",
];

/// Nicknames listed as weak aliases ("El Flaco").
pub const ES_NICK: &[&str] = &[

    "Flaco", "Gordo", "Güero", "Mono", "Tigre", "Lobo", "Zorro", "Toro", "Gallo", "Viejo", "Patrón", "Chino", "Pelón", "Pollo", "Gato",
    "Oso", "Halcón", "Cuervo", "Tiburón", "Alacrán", "Diablo", "Jefe", "Profe", "Chivo", "Burro", "Puma",
];
