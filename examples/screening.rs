//! Sanctions name and address screening benchmark (DESIGN.md §4): a synthetic list of OFAC size
//! (about 18,000 entities, 40,000 names with aliases, 5,000 EVM addresses) from a seeded generator,
//! then, single-threaded: recall on 2,000 perturbed listed names, the false-positive rate on 2,000
//! clean names from other name pools, per-query latency and throughput, and address lookup time.
//!
//! Run: `cargo run --release --example screening`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use attune_domain::sanctions::screening::{NameQuery, Screener, ScreeningPolicy};
use attune_domain::sanctions::{EntityKind, ListEntity, ListSource};

/// xorshift64*: small, seeded, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a>(&mut self, pool: &[&'a str]) -> &'a str {
        pool[self.below(pool.len())]
    }
}

const ARABIC_FIRST: &str = "Muhammad Ahmad Ali Omar Hassan Hussein Khalid Yusuf Ibrahim Abdullah Mahmoud Mustafa Said Osama Tariq Walid \
Faisal Nasser Karim Samir Jamal Rashid Hamza Bilal Anwar Adnan Ayman Bashar Fadi Ghassan Hani Hisham Imad Issam Jaber Kamal Laith Majid \
Marwan Mazen Nabil Nadim Qasim Rami Riyad Salah Salim Sami Sharif Tamer Yasser Zaid Ziad Amir Aziz Badr Daoud Fahd Fuad Habib Haitham \
Hamid Idris Ismail Jalal Jawad Kareem Luay Mansour Munir Musa Nizar Nouri Qais Raed Raouf Saad Sabri Saleh Shadi Suhail Talal Wael Yahya \
Yaqub Zakariya Zuhair Abbas Adel Akram Amjad Anas Ashraf Atef Ayoub Basel Emad Fares Fawzi Ghazi Hatem Husam Iyad Jihad Khalil Lutfi \
Maher Mahdi Mounir Nour Omran Raji Safwan Sultan Taha Tawfiq Younis Zahir Ramzi Sufyan Abdul-Rahman Abdul-Karim Abdul-Aziz Abdul-Latif";
const ARABIC_LAST: &str = "Hashimi Tikriti Masri Baghdadi Halabi Shami Husseini Khatib Najjar Haddad Zubaidi Dulaimi Jubouri Obeidi \
Tamimi Shammari Anbari Rawi Kubaisi Qahtani Ghamdi Harbi Mutairi Otaibi Zahrani Shehri Qurashi Ansari Hakim Jaziri Maliki Sudani \
Yamani Libi Tunisi Maghribi Jazairi Suri Lubnani Farsi Kurdi Bakri Nuaimi Kaabi Mansouri Marri Kuwari Thani Sabah Khalifa Nahyan \
Rashidi Hamdan Salem Awad Barakat Darwish Farouk Ghanem Habash Issa Karam Latif Mahfouz Nassar Qadri Rahal Sabbagh Tahan Wazir Yassin \
Zein Asaad Badawi Daher Fakhoury Hijazi Khoury Maalouf Nasrallah Qassem Saadeh Shaheen Tannous Yazbek Zaidan Bitar Hamadeh Kanaan \
Mikati Salameh Sleiman Tabbara Atallah Bazzi Dakroub Fadlallah Jumaili Samarrai Karbalai Najafi Basri Mosuli Hamawi Homsi Idlibi \
Dimashqi Raqqawi Deiri Hadrami Adeni Taizi Sanaani";
const RUSSIAN_FIRST: &str = "Aleksandr Sergei Dmitri Andrei Aleksei Ivan Mikhail Nikolai Vladimir Yuri Viktor Oleg Igor Pavel Roman \
Boris Gennady Konstantin Leonid Maksim Anatoly Valery Vadim Yevgeny Denis Artem Kirill Stanislav Vitaly Arkady Grigory Fyodor Timur \
Ruslan Rustam Ilya Anton Vasily Georgy Lev Matvei Nikita Pyotr Semyon Stepan Yaroslav Zakhar Bogdan Daniil Egor Gleb Innokenty \
Kazimir Lavrenty Miron Nazar Platon Rodion Savely Taras Ustin Veniamin Vsevolod Yakov";
const RUSSIAN_LAST: &str = "Ivanov Petrov Sidorov Smirnov Kuznetsov Popov Vasiliev Sokolov Mikhailov Novikov Fedorov Morozov Volkov \
Alekseev Lebedev Semenov Egorov Pavlov Kozlov Stepanov Nikolaev Orlov Andreev Makarov Nikitin Zakharov Zaitsev Soloviev Borisov \
Yakovlev Grigoriev Romanov Vorobiev Sergeev Kuzmin Frolov Aleksandrov Dmitriev Korolev Gusev Kiselev Ilyin Maksimov Polyakov Sorokin \
Vinogradov Kovalev Belov Medvedev Antonov Tarasov Zhukov Baranov Filippov Komarov Davydov Belyaev Gerasimov Bogdanov Osipov Sidorenko \
Matveev Titov Markov Mironov Krylov Kulikov Karpov Vlasov Melnikov Denisov Gavrilov Tikhonov Kazakov Afanasiev Danilov Savelyev \
Timofeev Fomin Chernov Abramov Martynov Efimov Fedotov Shcherbakov Nazarov Kalinin Isaev Chernyshev Bykov Maslov Rodionov Konovalov \
Lazarev Voronin Klimov Filatov Ponomarev Golubev Kudryavtsev Prokhorov Naumov Potapov Zhuravlev Ovchinnikov Trofimov Leonov Sobolev \
Ermakov Kolesnikov Goncharov Emelyanov Nikiforov Grachev Kotov Grishin Efremov Arkhipov Gromov Kirillov Malyshev Panov Moiseev \
Rumyantsev Akimov Kondratiev Biryukov Gorbunov Anisimov Eremin Tikhomirov Galkin Lukyanov Mikheev Skvortsov Yudin Belousov Nesterov \
Simonov Prokofiev Kharitonov Knyazev Tsvetkov Mitrofanov Voronov Aksenov Sofronov Maltsev Loginov Gorshkov Savin Krasnov Mayorov \
Demidov Eliseev Rybakov Safonov Plotnikov Demin Khokhlov Zhdanov";
const CHINESE_LAST: &str = "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo Zheng Liang Xie Song \
Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei Su Lu Ding Ren Shen Yao Jin Fu Zhong Cui Tan \
Fan Shi Liao Zou Xiong Meng Qin Bai Kong Mao Hao Gong Shao Wan Qian Yan Tao Hong Lei";
const CHINESE_GIVEN: &str = "wei fang min jing li qiang lei jun yong yan jie tao ming chao xiu hua hong gang ping hui bo ning xin \
yu lan hai bin dong feng guang hao jian kai long peng rui shan tian wen xiang xiao yi yun zhi zhen zhong an bao chun da de en fei \
gui heng jia kang lin mei nan qing ran sheng shu song ting wan xia xue ying yue zhe zi";
const LATAM_FIRST: &str = "José Luis Carlos Juan Miguel Jesús Antonio Manuel Francisco Pedro Alejandro Rafael Fernando Ricardo Jorge \
Eduardo Sergio Raúl Andrés Diego Héctor Rubén Óscar Víctor Ramón Julio Alberto Enrique Armando Gustavo Hugo Iván Jaime Javier Joaquín \
Lorenzo Marcos Martín Nicolás Orlando Pablo Rodrigo Salvador Tomás Vicente Ernesto Fidel Camilo Ignacio Gonzalo Emilio Esteban \
Federico Felipe Guillermo Leonardo Mauricio Octavio Ramiro Santiago Simón Ulises María Ana Carmen Rosa Luisa Isabel Lucía Patricia \
Gabriela Claudia Adriana Verónica Beatriz Mónica Teresa Silvia Yolanda Graciela Leticia";
const LATAM_LAST: &str = "García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres Flores Rivera Gómez Díaz \
Cruz Morales Reyes Gutiérrez Ortiz Chávez Ramos Ruiz Mendoza Vásquez Castillo Jiménez Moreno Romero Herrera Medina Aguilar Vargas \
Castro Guzmán Fernández Salazar Rojas Contreras Domínguez Guerrero Figueroa Estrada Cabrera Cortés Delgado Espinoza Fuentes Ibarra \
Juárez León Mejía Navarro Ochoa Pacheco Quintero Rosales Sandoval Trujillo Valencia Velasco Zamora Acosta Benítez Carrillo Cisneros \
Duarte Escobar Galindo Hidalgo Lozano Maldonado Montoya Núñez Orozco Padilla Peña Quiroga Rangel Salinas Tapia Urbina Valdez \
Villarreal Zúñiga Arellano Bermúdez Cárdenas Durán Enríquez Farías Gallardo Huerta Lara Macías Molina Osorio Palacios Robles Serrano \
Solís Toledo Vega Zapata Arango Betancourt Cuéllar Londoño Uribe Restrepo";
const WESTERN_FIRST: &str = "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony \
Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric \
Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron \
Henry Douglas Peter Adam Nathan Zachary Walter Kyle Harold Carl Arthur Gerald Roger Keith Lawrence Terry Sean Christian Albert Joe \
Ethan Austin Jesse Willie Billy Bryan Bruce Noah Jordan Dylan Ralph Roy Alan Wayne Eugene Juan Gabriel Louis Russell Randy Vincent \
Philip Logan Bobby Harry Johnny Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa Margaret Betty \
Sandra Ashley Dorothy Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Rebecca Laura Sharon Cynthia Kathleen";
const WESTERN_LAST: &str = "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson \
Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts \
Turner Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Peterson Cooper Reed Bailey Bell Kelly \
Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray James Hughes Price Sanders Myers Long Ross Foster Powell Jenkins Perry \
Russell Sullivan Fisher Henderson Coleman Simmons Patterson Jordan Reynolds Hamilton Graham Wallace Cole West Stone Hayes Gibson \
Ellis Tucker Porter Hunter Hicks Crawford Boyd Mason Warren Dixon Burns Gordon Shaw Holmes Rice Hunt Black Daniels Palmer Mills \
Grant Knight Ferguson Rose Hawkins Dunn Perkins Hudson Spencer Stephens Payne Pierce Berry Matthews Arnold Wagner Willis Ray Watkins \
Olson Carroll Duncan Snyder Hart Cunningham Bradley Lane Andrews Harper Fox Riley Armstrong Carpenter Weaver Greene Lawrence Elliott \
Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann \
Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann Dubois Durand Lefèvre Moreau Laurent \
Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefebvre Faure André Mercier Blanc Guérin Boyer";
const COMPANY_A: &str = "Golden Star Eagle Falcon Crescent Orient Delta Sahara Nile Euphrates Tigris Caspian Baltic Arctic Siberian \
Ural Volga Amur Pacific Atlantic Meridian Horizon Summit Pioneer Global United National Royal Imperial Grand Prime Apex Vertex Zenith \
Alpha Omega Sigma Titan Atlas Phoenix Oasis Jasmine Cedar Palm Olive Pearl Coral Emerald Sapphire Ruby Diamond Silver Iron Steel \
Copper Petro Gulf Aral Taiga Tundra Steppe Neva Yenisei Lena Don Kama Oka Sakhalin Kamchatka Persian Levant Aden Hormuz Sinai Andes \
Orinoco Caribe Pampas Amazonia Yangtze Pearl-River Huaxin Zhongxing Jinhai Dragon Lotus Jade Phoenix-Sun";
const COMPANY_B: &str = "Trading Shipping Logistics Petroleum Energy Oil Gas Industries Holdings Group Investment Finance Exchange \
Import Export Construction Engineering Mining Metals Chemicals Electronics Technologies Aviation Marine Maritime Transport Textiles \
Agro Foods Pharma Medical Security Defense Systems Consulting Services Development Resources Capital Ventures Partners Enterprises \
Commerce Tankers Bank Airlines Refining Machinery";
const LEGAL: &str = "LLC Ltd Limited Inc GmbH SA OOO ZAO JSC Co Company Corp Corporation PLC AG BV SRL FZE";
// Held-out pools for clean (unlisted) names.
const CLEAN_FIRST: &str = "Hiroshi Takeshi Kenji Yuki Haruto Sota Ren Akira Daiki Kaito Sakura Yui Aoi Hina Rin Arjun Rohan Vikram \
Anil Sunil Rajesh Pradeep Sanjay Amit Deepak Priya Ananya Kavya Lakshmi Sunita Bjorn Lars Sven Nils Erik Ingrid Astrid Sigrid Freya \
Olav Chidi Emeka Ngozi Chinedu Adaeze Oluwaseun Babajide Folake Kwame Kofi Ama Yaw Wanjiru Kamau Otieno Njeri Baraka Dimitrios \
Konstantinos Georgios Eleni Katerina Panagiotis Spyridon Vasiliki Anastasia Thanos Aroha Tane Mere Wiremu Hemi Kalani Keanu Leilani";
const CLEAN_LAST: &str = "Tanaka Suzuki Takahashi Watanabe Yamamoto Nakamura Kobayashi Kato Yoshida Yamada Sasaki Matsumoto Inoue \
Kimura Shimizu Patel Sharma Gupta Reddy Iyer Nair Menon Chatterjee Banerjee Mukherjee Desai Joshi Kulkarni Pillai Bhattacharya \
Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsen Hansen Pedersen Kristiansen Lindqvist Bergstrom Okafor Okonkwo Adeyemi \
Babatunde Eze Nwosu Obi Mensah Asante Boateng Owusu Kiprono Mwangi Ochieng Kariuki Papadopoulos Georgiou Nikolaidis Konstantinou \
Papageorgiou Christodoulou Angelopoulos Vlachos Tipene Ngata Kealoha Kahananui Nakoa";
const CLEAN_COMPANY_A: &str = "Maple Brook Willow Aspen Birch Sunny Meadow Riverbend Lakeside Hilltop Bluebell Clover Acorn Fernwood \
Kestrel Puffin Otter Badger Heron Wren";
const CLEAN_COMPANY_B: &str = "Bakery Software Studios Dental Florists Veterinary Bookshop Brewery Cafe Daycare Fitness Gardens \
Plumbing Printing Tailors Toys Yoga Pottery Optics Robotics";

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

struct Pools<'a> {
    arabic_first: Vec<&'a str>,
    arabic_last: Vec<&'a str>,
    russian_first: Vec<&'a str>,
    russian_last: Vec<&'a str>,
    chinese_last: Vec<&'a str>,
    chinese_given: Vec<&'a str>,
    latam_first: Vec<&'a str>,
    latam_last: Vec<&'a str>,
    western_first: Vec<&'a str>,
    western_last: Vec<&'a str>,
    company_a: Vec<&'a str>,
    company_b: Vec<&'a str>,
    legal: Vec<&'a str>,
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn patronymic(first: &str) -> String {
    let stem = first.trim_end_matches(['i', 'y', 'a']);
    if first.ends_with(['i', 'y']) { format!("{stem}evich") } else { format!("{stem}ovich") }
}

/// A person name and its countries for one culture (0 Arabic, 1 Russian, 2 Chinese, 3 Latin-American, 4 Western).
fn person(rng: &mut Rng, p: &Pools, culture: usize) -> (String, &'static [&'static str]) {
    match culture {
        0 => {
            let last = rng.pick(&p.arabic_last);
            let last = if rng.chance(0.5) { format!("Al-{last}") } else { last.to_owned() };
            let name = if rng.chance(0.6) {
                format!("{} {} {}", rng.pick(&p.arabic_first), rng.pick(&p.arabic_first), last)
            } else {
                format!("{} {} {} {}", rng.pick(&p.arabic_first), rng.pick(&p.arabic_first), rng.pick(&p.arabic_first), last)
            };
            (name, &["SY", "IQ", "IR", "YE", "LB", "AE", "SA"])
        }
        1 => {
            let name = format!("{} {} {}", rng.pick(&p.russian_first), patronymic(rng.pick(&p.russian_first)), rng.pick(&p.russian_last));
            (name, &["RU", "BY", "UA", "KZ"])
        }
        2 => {
            let given = if rng.chance(0.7) {
                capitalise(&format!("{}{}", rng.pick(&p.chinese_given), rng.pick(&p.chinese_given)))
            } else {
                format!("{} {}", capitalise(rng.pick(&p.chinese_given)), capitalise(rng.pick(&p.chinese_given)))
            };
            (format!("{} {}", rng.pick(&p.chinese_last), given), &["CN", "HK", "KP"])
        }
        3 => {
            let first = if rng.chance(0.5) {
                format!("{} {}", rng.pick(&p.latam_first), rng.pick(&p.latam_first))
            } else {
                rng.pick(&p.latam_first).to_owned()
            };
            (format!("{first} {} {}", rng.pick(&p.latam_last), rng.pick(&p.latam_last)), &["VE", "CO", "MX", "CU", "NI"])
        }
        _ => {
            let name = if rng.chance(0.4) {
                format!("{} {} {}", rng.pick(&p.western_first), rng.pick(&p.western_first), rng.pick(&p.western_last))
            } else {
                format!("{} {}", rng.pick(&p.western_first), rng.pick(&p.western_last))
            };
            (name, &["US", "GB", "DE", "FR", "CH", "CY"])
        }
    }
}

fn company(rng: &mut Rng, p: &Pools) -> String {
    format!("{} {} {} {}", rng.pick(&p.company_a), rng.pick(&p.company_a), rng.pick(&p.company_b), rng.pick(&p.legal))
}

const VARIANTS: &[(&str, &str)] = &[
    ("Muhammad", "Mohammed"),
    ("Muhammad", "Mohamed"),
    ("Muhammad", "Mohammad"),
    ("Yusuf", "Yousef"),
    ("Yusuf", "Youssef"),
    ("Hussein", "Hussain"),
    ("Hassan", "Hasan"),
    ("Ahmad", "Ahmed"),
    ("Omar", "Umar"),
    ("Osama", "Usama"),
    ("Khalid", "Khaled"),
    ("Said", "Saeed"),
    ("Mustafa", "Mostafa"),
    ("Abdullah", "Abdallah"),
    ("Abdul-Rahman", "Abd al-Rahman"),
    ("Abdul-Karim", "Abdel Karim"),
    ("Aleksandr", "Alexander"),
    ("Sergei", "Sergey"),
    ("Dmitri", "Dmitry"),
    ("Yuri", "Yury"),
    ("Andrei", "Andrey"),
    ("Aleksei", "Alexey"),
];

fn swap_variant(rng: &mut Rng, name: &str) -> Option<String> {
    let tokens: Vec<&str> = name.split(' ').collect();
    let mut hits: Vec<(usize, &str)> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        for (a, b) in VARIANTS {
            if t == a {
                hits.push((i, b));
            } else if t == b {
                hits.push((i, a));
            }
        }
    }
    if hits.is_empty() {
        return None;
    }
    let (i, replacement) = hits[rng.below(hits.len())];
    let mut out: Vec<&str> = tokens.clone();
    out[i] = replacement;
    Some(out.join(" "))
}

fn to_cyrillic(name: &str) -> String {
    let lower = name.to_lowercase();
    let b: Vec<char> = lower.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut start = true;
    while i < b.len() {
        let two: String = b[i..(i + 2).min(b.len())].iter().collect();
        let (s, step) = match two.as_str() {
            "kh" => ("х", 2),
            "sh" => ("ш", 2),
            "ch" => ("ч", 2),
            "zh" => ("ж", 2),
            "ts" => ("ц", 2),
            "yu" | "ou" if two == "yu" => ("ю", 2),
            "ya" => ("я", 2),
            "yo" => ("ё", 2),
            _ => (
                match b[i] {
                    'a' => "а",
                    'b' => "б",
                    'v' | 'w' => "в",
                    'g' => "г",
                    'd' => "д",
                    'e' => "е",
                    'z' => "з",
                    'i' => "и",
                    'y' => "й",
                    'k' | 'c' | 'q' => "к",
                    'l' => "л",
                    'm' => "м",
                    'n' => "н",
                    'o' => "о",
                    'p' => "п",
                    'r' => "р",
                    's' => "с",
                    't' => "т",
                    'u' => "у",
                    'f' => "ф",
                    'h' => "х",
                    'j' => "дж",
                    'x' => "кс",
                    ' ' => " ",
                    '-' => "-",
                    _ => "",
                },
                1,
            ),
        };
        let capital = start && s != " " && s != "-";
        if capital {
            let mut cs = s.chars();
            out.extend(cs.next().into_iter().flat_map(char::to_uppercase));
            out.extend(cs);
        } else {
            out.push_str(s);
        }
        start = s == " " || s == "-";
        i += step;
    }
    out
}

fn add_diacritics(rng: &mut Rng, name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let spots: Vec<usize> = chars.iter().enumerate().filter(|(_, c)| "aeiounc".contains(**c)).map(|(i, _)| i).collect();
    if spots.is_empty() {
        return name.to_owned();
    }
    let mut out = chars.clone();
    for _ in 0..2 {
        let i = spots[rng.below(spots.len())];
        out[i] = match out[i] {
            'a' => 'á',
            'e' => 'é',
            'i' => 'í',
            'o' => 'ö',
            'u' => 'ü',
            'n' => 'ñ',
            'c' => 'ç',
            c => c,
        };
    }
    out.into_iter().collect()
}

fn strip_diacritics(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' | 'ö' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            'É' => 'E',
            'Ó' => 'O',
            c => c,
        })
        .collect()
}

fn typo(rng: &mut Rng, name: &str) -> String {
    let mut tokens: Vec<Vec<char>> = name.split(' ').map(|t| t.chars().collect()).collect();
    let long: Vec<usize> = (0..tokens.len()).filter(|&i| tokens[i].len() >= 4).collect();
    if long.is_empty() {
        return name.to_owned();
    }
    let t = &mut tokens[long[rng.below(long.len())]];
    let pos = 1 + rng.below(t.len() - 2);
    match rng.below(3) {
        0 => t.swap(pos, pos + 1),
        1 => {
            t.remove(pos);
        }
        _ => {
            let c = (b'a' + rng.below(26) as u8) as char;
            t.insert(pos, c);
        }
    }
    tokens.iter().map(|t| t.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// One perturbation of a listed name, and its kind.
fn perturb(rng: &mut Rng, name: &str, cyrillic_ok: bool) -> (String, &'static str) {
    let tokens: Vec<&str> = name.split(' ').collect();
    match rng.below(5) {
        0 => (typo(rng, name), "typo"),
        1 => {
            if let Some(v) = swap_variant(rng, name) {
                return (v, "variant");
            }
            let stripped = strip_diacritics(name);
            if stripped != name {
                (stripped, "diacritics")
            } else if cyrillic_ok && rng.chance(0.5) {
                (to_cyrillic(name), "cyrillic")
            } else {
                (add_diacritics(rng, name), "diacritics")
            }
        }
        2 if cyrillic_ok => (to_cyrillic(name), "cyrillic"),
        2 => (add_diacritics(rng, name), "diacritics"),
        3 => {
            let mut t = tokens.clone();
            let n = t.len();
            t.swap(0, n - 1);
            (t.join(" "), "order")
        }
        _ => {
            if tokens.len() >= 3 {
                let mut t = tokens.clone();
                t.remove(1 + rng.below(tokens.len() - 2));
                (t.join(" "), "dropped")
            } else {
                (typo(rng, name), "typo")
            }
        }
    }
}

fn evm(rng: &mut Rng) -> String {
    let mut s = String::from("0x");
    for _ in 0..40 {
        let d = rng.below(16);
        let c = char::from_digit(d as u32, 16).unwrap();
        s.push(if rng.chance(0.5) { c.to_ascii_uppercase() } else { c });
    }
    s
}

fn main() {
    let policy = ScreeningPolicy::current().expect("policy");
    let pools = Pools {
        arabic_first: words(ARABIC_FIRST),
        arabic_last: words(ARABIC_LAST),
        russian_first: words(RUSSIAN_FIRST),
        russian_last: words(RUSSIAN_LAST),
        chinese_last: words(CHINESE_LAST),
        chinese_given: words(CHINESE_GIVEN),
        latam_first: words(LATAM_FIRST),
        latam_last: words(LATAM_LAST),
        western_first: words(WESTERN_FIRST),
        western_last: words(WESTERN_LAST),
        company_a: words(COMPANY_A),
        company_b: words(COMPANY_B),
        legal: words(LEGAL),
    };
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut entities: Vec<ListEntity> = Vec::with_capacity(18_000);
    let mut listed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut addresses = Vec::new();
    for i in 0..18_000usize {
        let is_person = rng.chance(0.65);
        let (name, countries, kind) = if is_person {
            let culture = [0, 0, 0, 1, 1, 2, 3, 4][rng.below(8)];
            let (n, c) = person(&mut rng, &pools, culture);
            (n, c, EntityKind::Person)
        } else {
            (company(&mut rng, &pools), &["IR", "RU", "SY", "CN", "AE", "VE"][..], EntityKind::Organization)
        };
        let mut aliases = Vec::new();
        let alias_count = [0, 1, 1, 1, 2, 2, 3][rng.below(7)];
        for _ in 0..alias_count {
            let alias = match (is_person, rng.below(3)) {
                (true, 0) => swap_variant(&mut rng, &name).unwrap_or_else(|| typo(&mut rng, &name)),
                (true, 1) => typo(&mut rng, &name),
                (true, _) => {
                    let t: Vec<&str> = name.split(' ').collect();
                    format!("{}, {}", t[t.len() - 1], t[..t.len() - 1].join(" "))
                }
                (false, 0) => {
                    let t: Vec<&str> = name.split(' ').collect();
                    format!("{} {}", t[..t.len() - 1].join(" "), rng.pick(&pools.legal))
                }
                (false, _) => company(&mut rng, &pools),
            };
            aliases.push(alias);
        }
        for n in std::iter::once(&name).chain(&aliases) {
            listed.insert(n.to_lowercase());
        }
        let mut entity_addresses = Vec::new();
        if i % 18 < 5 {
            let a = evm(&mut rng);
            addresses.push(a.clone());
            entity_addresses.push(("ETH".to_owned(), a));
        }
        let birth = if is_person { vec![format!("{}", 1940 + rng.below(60))] } else { Vec::new() };
        entities.push(ListEntity {
            source: ListSource::OfacSdn,
            entity_id: format!("{}", 10_000 + i),
            kind,
            name,
            aliases,
            programs: vec!["SDGT".to_owned()],
            countries: vec![countries[rng.below(countries.len())].to_owned()],
            birth_dates: birth,
            addresses: entity_addresses,
            identifiers: Vec::new(),
            remarks: String::new(),
            topics: Some(vec!["sanction".to_owned()]),
            owners: Vec::new(),
        });
    }
    let build_start = Instant::now();
    let screener = Screener::build(&entities, &policy);
    let build = build_start.elapsed();
    println!(
        "list: {} entities, {} names (with aliases), {} addresses; index built in {:.0} ms",
        screener.entity_count(),
        screener.name_count(),
        screener.addresses().len(),
        build.as_secs_f64() * 1e3
    );

    // (a) perturbed listed names.
    let mut queries: Vec<(String, Option<String>, &'static str)> = Vec::new();
    for _ in 0..2_000 {
        let e = &entities[rng.below(entities.len())];
        let source = if !e.aliases.is_empty() && rng.chance(0.3) { e.aliases[rng.below(e.aliases.len())].clone() } else { e.name.clone() };
        // Russian-language sources write Russian and Arabic names in Cyrillic; the others get diacritics.
        let cyrillic_ok = e.kind == EntityKind::Person
            && e.countries.iter().any(|c| ["RU", "BY", "UA", "KZ", "SY", "IQ", "IR", "YE", "LB", "AE", "SA"].contains(&c.as_str()));
        let (q, kind) = perturb(&mut rng, &source.replace(',', ""), cyrillic_ok);
        queries.push((q, Some(e.entity_id.clone()), kind));
    }
    // (b) clean names: other pools, or a listed first name with an unlisted surname, or other companies.
    let clean_first = words(CLEAN_FIRST);
    let clean_last = words(CLEAN_LAST);
    let clean_a = words(CLEAN_COMPANY_A);
    let clean_b = words(CLEAN_COMPANY_B);
    let mut clean = 0;
    while clean < 2_000 {
        let q = match rng.below(4) {
            0 => format!("{} {}", rng.pick(&clean_first), rng.pick(&clean_last)),
            1 => format!("{} {} {}", rng.pick(&clean_first), rng.pick(&clean_first), rng.pick(&clean_last)),
            2 => {
                let first = match rng.below(4) {
                    0 => rng.pick(&pools.arabic_first),
                    1 => rng.pick(&pools.russian_first),
                    2 => rng.pick(&pools.latam_first),
                    _ => rng.pick(&pools.western_first),
                };
                format!("{first} {}", rng.pick(&clean_last))
            }
            _ => format!("{} {} {} {}", rng.pick(&clean_a), rng.pick(&clean_a), rng.pick(&clean_b), rng.pick(&pools.legal)),
        };
        if listed.contains(&q.to_lowercase()) {
            continue;
        }
        queries.push((q, None, "clean"));
        clean += 1;
    }

    let threshold = policy.match_threshold();
    let mut latencies = Vec::with_capacity(queries.len());
    let (mut found, mut positives, mut false_positives) = (0usize, 0usize, 0usize);
    let mut missed_by_kind: std::collections::BTreeMap<&str, (usize, usize)> = std::collections::BTreeMap::new();
    let mut misses = Vec::new();
    let mut fp_examples = Vec::new();
    let all_start = Instant::now();
    for (q, expected, kind) in &queries {
        let query = NameQuery::name(q.clone());
        let t = Instant::now();
        let results = screener.screen_name(&query, &policy);
        latencies.push(t.elapsed());
        debug_assert!(results.iter().all(|r| r.score >= threshold));
        match expected {
            Some(id) => {
                positives += 1;
                let entry = missed_by_kind.entry(kind).or_default();
                entry.0 += 1;
                if results.iter().any(|r| &r.entity_id == id) {
                    found += 1;
                } else {
                    entry.1 += 1;
                    if misses.len() < 8 {
                        let listed = entities.iter().find(|e| &e.entity_id == id).map(|e| e.name.clone()).unwrap_or_default();
                        misses.push(format!("{kind}: {q:?} (listed {listed:?})"));
                    }
                }
            }
            None => {
                if !results.is_empty() {
                    false_positives += 1;
                    if fp_examples.len() < 8 {
                        fp_examples.push(format!("{q:?} ~ {:?} {:.3}", results[0].matched_name, results[0].score));
                    }
                }
            }
        }
    }
    let total = all_start.elapsed();
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    println!("name recall (perturbed listed names, threshold {threshold}): {:.4} ({found}/{positives})", found as f64 / positives as f64);
    for (kind, (n, missed)) in &missed_by_kind {
        println!("  {kind}: {n} queries, {missed} missed");
    }
    for m in &misses {
        println!("  missed {m}");
    }
    println!("name false-positive rate (clean names): {:.4} ({false_positives}/{clean})", false_positives as f64 / clean as f64);
    for f in &fp_examples {
        println!("  false positive {f}");
    }
    println!("name query latency p50: {:.1} µs", pct(0.50).as_secs_f64() * 1e6);
    println!("name query latency p99: {:.1} µs", pct(0.99).as_secs_f64() * 1e6);
    println!("name query latency max: {:.1} µs", latencies[latencies.len() - 1].as_secs_f64() * 1e6);
    println!("name queries per second (one core): {:.0}", queries.len() as f64 / total.as_secs_f64());

    // (d) addresses: hits in another case than listed, and misses.
    let mut probes: Vec<String> = Vec::new();
    for i in 0..2_000 {
        if i % 2 == 0 {
            let a = &addresses[rng.below(addresses.len())];
            probes.push(if rng.chance(0.5) { a.to_lowercase() } else { format!("0x{}", a[2..].to_uppercase()) });
        } else {
            probes.push(evm(&mut rng));
        }
    }
    let rounds = 500;
    let start = Instant::now();
    let mut hits = 0usize;
    for _ in 0..rounds {
        for p in &probes {
            if screener.screen_address(black_box(p)).is_some() {
                hits += 1;
            }
        }
    }
    let per = start.elapsed().as_secs_f64() * 1e9 / (rounds * probes.len()) as f64;
    println!("address lookup: {per:.0} ns per lookup (50% hits; {} hits of {})", hits / rounds, probes.len());
}
